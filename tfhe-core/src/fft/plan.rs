//! One negacyclic FFT per polynomial size, built once and cached for the process.

use super::monomial::FourierMonomials;
use super::twist::Twisties;
use concrete_fft::c64;
use concrete_fft::unordered::Plan;
use dyn_stack::{GlobalPodBuffer, PodStack};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A size-`N` negacyclic FFT: an unordered complex FFT of size `N/2` and its twisting factors.
///
/// The unordered FFT leaves its output in a permuted order, which is fine: Fourier-domain values
/// are only multiplied pointwise and transformed back by the same plan. concrete-fft picks the
/// fastest kernel (AVX2/FMA or AVX-512 when present, scalar otherwise) at run time, and the
/// base kernel of the plan is chosen by timing every candidate ([`super::plan_choice`]).
#[derive(Debug)]
pub struct Fft {
    pub(crate) polynomial_size: usize,
    pub(crate) plan: Plan,
    pub(crate) twisties: Twisties,
    pub(crate) monomials: FourierMonomials,
}

impl Fft {
    /// The cached FFT for polynomials of size `N` (a power of two, `N ≥ 4`), built on first use.
    ///
    /// # Panics
    /// If `N` is not a power of two or is below 4.
    pub fn new(polynomial_size: crate::dimensions::PolynomialSize) -> Arc<Fft> {
        let n = polynomial_size.0;
        assert!(n.is_power_of_two() && n >= 4, "FFT size {n} unsupported");
        static CACHE: OnceLock<Mutex<HashMap<usize, Arc<Fft>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        // A poisoned lock only means another thread panicked while inserting; the map is intact.
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(n)
            .or_insert_with(|| {
                let plan = super::plan_choice::fastest_plan(n / 2);
                let twisties = Twisties::new(n);
                // F(X) by this very plan: the order of its Fourier values fixes the monomial table.
                let mut mem = GlobalPodBuffer::new(plan.fft_scratch().expect("small"));
                let mut x = vec![0u64; n];
                x[1] = 1;
                let mut x_image = vec![c64::default(); n / 2];
                let (lo, hi) = x.split_at(n / 2);
                crate::kernels::scalar::twist(&mut x_image, lo, hi, &twisties.forward);
                plan.fwd(&mut x_image, PodStack::new(&mut mem));
                Arc::new(Fft {
                    polynomial_size: n,
                    plan,
                    monomials: FourierMonomials::new(n, &x_image),
                    twisties,
                })
            })
            .clone()
    }

    /// The base kernel this process chose for its plan, e.g. `Dit4/1024` (see
    /// [`super::plan_choice`]): worth reporting next to any timing of the transforms.
    pub fn kernel_name(&self) -> String {
        super::plan_choice::kernel_name(&self.plan)
    }
}
