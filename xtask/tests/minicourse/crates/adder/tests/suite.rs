//! The adder's graded suite: three tests, one of them on threads.

mod cases {
    #[test]
    fn smoke_adds_two_numbers() {
        assert_eq!(adder::add(2, 3), 5, "2 + 3");
    }

    #[test]
    fn adds_negative_numbers() {
        assert_eq!(adder::add(-7, 4), -3, "-7 + 4");
    }

    #[test]
    fn adds_on_several_threads_at_once() {
        let handles: Vec<_> = (0..4)
            .map(|i| std::thread::spawn(move || adder::add(i, 10)))
            .collect();
        let sums: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(sums, [10, 11, 12, 13]);
    }
}
