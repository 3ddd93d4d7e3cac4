//! Cohort rank (D1, D2, D5): “最高得0分，中间情况依排序计分”.
//!
//! Among the units of one kind in one run whose item is scored and whose rate is above zero, the
//! distinct rates ascending are r1 < … < rk; a unit at ri scores max × (k − i) ÷ k, so the highest
//! rate scores 0 and a unit alone with a positive rate scores 0 too (the seed's literal reading).
//! Units at zero score max and are decided before ranking. Rates within [`EPS`] of each other are
//! one rate, so 1/10 and 2/20 share a place however they were computed.

use super::rules::EPS;

/// Where one positive rate landed in its cohort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placing {
    /// 1-based place among the distinct rates, ascending (1 = lowest rate = best).
    pub place: usize,
    /// Number of distinct positive rates in the cohort.
    pub distinct: usize,
    pub score: f64,
}

/// Places every positive rate of a cohort; the result is parallel to `rates`.
pub fn rank(rates: &[f64], max: f64) -> Vec<Placing> {
    let mut order: Vec<usize> = (0..rates.len()).collect();
    order.sort_by(|&a, &b| rates[a].total_cmp(&rates[b]));
    // Walk ascending; a rate more than EPS above its group's lowest member opens a new place.
    let mut places = vec![0usize; rates.len()];
    let mut group_low: Option<f64> = None;
    let mut k = 0;
    for i in order {
        let r = rates[i];
        if !group_low.is_some_and(|low| r - low <= EPS) {
            k += 1;
            group_low = Some(r);
        }
        places[i] = k;
    }
    places
        .into_iter()
        .map(|place| Placing {
            place,
            distinct: k,
            score: max * (k - place) as f64 / k as f64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_example_ranks_with_shared_places() {
        // D1 cohort 0, 0.1, 0.1, 0.2, 0.5: the zero is scored before ranking (10).
        let p = rank(&[0.1, 0.1, 0.2, 0.5], 10.0);
        let scores: Vec<f64> = p.iter().map(|x| x.score).collect();
        assert!((scores[0] - 20.0 / 3.0).abs() < 1e-9);
        assert!((scores[1] - 20.0 / 3.0).abs() < 1e-9);
        assert!((scores[2] - 10.0 / 3.0).abs() < 1e-9);
        assert_eq!(scores[3], 0.0);
        assert_eq!((p[0].place, p[0].distinct), (1, 3));
        assert_eq!((p[3].place, p[3].distinct), (3, 3));
    }

    #[test]
    fn alone_scores_zero() {
        let p = rank(&[0.3], 6.0);
        assert_eq!(
            p[0],
            Placing {
                place: 1,
                distinct: 1,
                score: 0.0
            }
        );
    }

    #[test]
    fn equal_rates_computed_differently_share_a_place() {
        let p = rank(
            &[1.0 / 10.0, 2.0 / 20.0, 3.0 / 30.0, 1.0 / 3.0, 2.0 / 6.0],
            10.0,
        );
        assert!(p[..3].iter().all(|x| x.place == 1 && x.distinct == 2));
        assert!(p[3..].iter().all(|x| x.place == 2 && x.score == 0.0));
        assert_eq!(p[0].score, 5.0);
    }

    #[test]
    fn input_order_does_not_matter() {
        let a = rank(&[0.5, 0.2, 0.1], 6.0);
        let b = rank(&[0.1, 0.2, 0.5], 6.0);
        assert_eq!(a[0], b[2]);
        assert_eq!(a[2], b[0]);
    }
}
