//! "Did you mean ...?": the nearest known name by edit distance.

/// Levenshtein distance between two strings, counted in chars.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `row[j]` is the distance between the prefix of `a` seen so far and `b[..j]`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The candidate nearest to `name`, if it is near enough to be a plausible typo.
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| (distance(name, candidate), candidate))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("deferred_calback", "deferred_callback"), 1);
        assert_eq!(distance("flaw", "lawn"), 2);
    }

    #[test]
    fn suggests_the_nearest_plausible_name() {
        let names = ["deferred_callback", "bounded_buffer", "dining_philosophers"];
        assert_eq!(
            nearest("deferred_calback", names),
            Some("deferred_callback")
        );
        assert_eq!(nearest("bounded_bufer", names), Some("bounded_buffer"));
        assert_eq!(nearest("zzz", names), None);
    }
}
