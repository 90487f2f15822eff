"""The classifier at the end of a stable network, and the regularisation of its weights.

    classifier:      z = W Y_N + μ,   a = softmax(z),   cross-entropy,   delta = a - y
    regularisation:  R = α_f/(2h) Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²) + α_c/2 ‖W‖²

A part of [`tinynet.stable.StableNet`][tinynet.stable_net.StableNet] (a base class of it): ``self`` is
the network, with its parameters ``W``, ``mu``, ``K``, ``b`` and its ``views``.
"""


class Classifier:
    """softmax(W Y_N + μ) with cross-entropy, forward and backward, and the regularisation R and its gradient."""

    def classify(self, YN):
        """(z, a): z = W Y_N + μ and a = softmax(z)."""
        z = YN @ self.W.T + self.mu
        return z, self.activations[0](z, self.xp)

    def classify_back(self, YN, a, y, grad):
        """The classifier backwards: (delta, ∂C/∂Y_N).

        delta = a - y (softmax with cross-entropy) and ∂C/∂Y_N = Wᵀ delta;
        adds ∂C/∂W = delta Y_Nᵀ and ∂C/∂μ = delta (summed over the batch) to ``grad``.
        """
        nabla_W, nabla_mu = self.views(grad)[2:4]
        delta = a - y
        nabla_W += delta.T @ YN
        nabla_mu += delta.sum(axis=0)
        return delta, delta @ self.W

    def regularisation(self):
        """R = α_f/(2h) Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²) + α_c/2 ‖W‖²."""
        xp = self.xp
        smoothness = float((xp.diff(self.K, axis=0) ** 2).sum() + (xp.diff(self.b, axis=0) ** 2).sum())
        return self.alpha_f / (2 * self.h) * smoothness + self.alpha_c / 2 * float((self.W**2).sum())

    def add_regularisation(self, grad, m, j0=0, j1=None):
        """Add m · ∂R/∂params to ``grad``: the smoothness of the layers j0..j1-1 among themselves, and ½α_c‖W‖².

        ∂R/∂K_j = α_f/h ((K_j - K_(j-1)) - (K_(j+1) - K_j)) (the terms that exist), the same for b_j;
        ∂R/∂W = α_c W. Times m, because the cost of a batch of m is Σ C_x + m · R.
        """
        xp = self.xp
        j1 = self.N if j1 is None else j1
        nabla_K, nabla_b, nabla_W = self.views(grad)[:3]
        if self.alpha_f and j1 - j0 > 1:
            weight = m * self.alpha_f / self.h
            for theta, nabla_theta in ((self.K[j0:j1], nabla_K[j0:j1]), (self.b[j0:j1], nabla_b[j0:j1])):
                diff = xp.diff(theta, axis=0)  # theta_(j+1) - theta_j
                nabla_theta[:-1] -= weight * diff
                nabla_theta[1:] += weight * diff
        if self.alpha_c and j1 == self.N:
            nabla_W += m * self.alpha_c * self.W
