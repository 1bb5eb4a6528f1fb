//! The counter's graded suite: two tests.

mod cases {
    use counter::Counter;

    #[test]
    fn smoke_counts_one_increment() {
        let counter = Counter::new();
        counter.increment();
        assert_eq!(counter.get(), 1);
    }

    #[test]
    fn counts_every_increment_of_four_threads() {
        let counter = std::sync::Arc::new(Counter::new());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let counter = std::sync::Arc::clone(&counter);
                std::thread::spawn(move || (0..1000).for_each(|_| counter.increment()))
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(counter.get(), 4000);
    }
}
