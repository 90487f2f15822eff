"""The four stable architectures, each its forward step and the matching backward step.

    ResNet:        Y_(j+1) = Y_j + h σ(K_j Y_j + b_j)
    antisymmetric: Y_(j+1) = Y_j + h σ(½(K_j - K_jᵀ - γI) Y_j + b_j)
    Hamiltonian:   Z_(j+½) = Z_(j-½) - h σ(K_jᵀ Y_j + b_j),  Y_(j+1) = Y_j + h σ(K_j Z_(j+½) + b_j)
    leapfrog:      Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j)

The rest (the opening layer, the classifier, the loop over the layers) is
[`tinynet.stable.StableNet`][tinynet.stable.net.StableNet]'s.
"""

from tinynet.stable.net import StableNet


class ResNet(StableNet):
    """Forward Euler: Y_(j+1) = Y_j + h σ(K_j Y_j + b_j)."""

    kind = "resnet"

    def matrix(self, j):
        """M_j, the matrix of step j: K_j."""
        return self.K[j]

    def layer_forward(self, j, S):
        """z = M_j Y_j + b_j,  Y_(j+1) = Y_j + h σ(z)."""
        (Y,) = S
        z = Y @ self.matrix(j).T + self.b[j]
        return z, (Y + self.h * self.sigma(z),)

    def layer_back(self, j, S, z, G, nabla_k, nabla_b):
        """Layer j backwards (see [`StableNet.layer_back`][tinynet.stable.net.StableNet.layer_back]):

        delta = h σ'(z) ⊙ ∂C/∂Y_(j+1),    ∂C/∂Y_j = ∂C/∂Y_(j+1) + M_jᵀ delta,
        ∂C/∂M_j = delta Y_jᵀ,  ∂C/∂b_j = delta   (summed over the batch).
        """
        (Y,), (G_Y,) = S, G
        delta = self.h * self.times_sigma_prime(z, G_Y)
        self.add_matrix_grad(j, delta.T @ Y, nabla_k)
        nabla_b[j] += delta.sum(axis=0)
        return delta, (G_Y + delta @ self.matrix(j),)

    def add_matrix_grad(self, j, nabla_m, nabla_k):
        """∂C/∂K_j from ∂C/∂M_j: M_j = K_j."""
        nabla_k[j] += nabla_m


class Antisymmetric(ResNet):
    """Y_(j+1) = Y_j + h σ(½(K_j - K_jᵀ - γI) Y_j + b_j): the matrix has imaginary eigenvalues (shifted by -γ/2)."""

    kind = "antisymmetric"

    def matrix(self, j):
        """M_j = ½(K_j - K_jᵀ - γI)."""
        K = self.K[j]
        return 0.5 * (K - K.T - self.gamma * self.xp.eye(self.n, dtype=self.dtype))

    def add_matrix_grad(self, j, nabla_m, nabla_k):
        """∂C/∂K_j = ½(∂C/∂M_j - (∂C/∂M_j)ᵀ), as M_j = ½(K_j - K_jᵀ - γI)."""
        nabla_k[j] += 0.5 * (nabla_m - nabla_m.T)


class Hamiltonian(StableNet):
    """Verlet: Z_(j+½) = Z_(j-½) - h σ(K_jᵀ Y_j + b_j);  Y_(j+1) = Y_j + h σ(K_j Z_(j+½) + b_j).

    The state is the pair (Y_j, Z_(j-½)); z of a step is the pair
    (z_Z, z_Y) = (K_jᵀ Y_j + b_j, K_j Z_(j+½) + b_j), and so is its delta.
    """

    kind = "hamiltonian"

    def start(self, Y0):
        return (Y0, self.xp.zeros_like(Y0))  # (Y_0, Z_(-½) = 0)

    def layer_forward(self, j, S):
        """z_Z = K_jᵀ Y_j + b_j,  Z_(j+½) = Z_(j-½) - h σ(z_Z);  z_Y = K_j Z_(j+½) + b_j,  Y_(j+1) = Y_j + h σ(z_Y)."""
        Y, Z = S
        K, b, h = self.K[j], self.b[j], self.h
        z_Z = Y @ K + b  # rows: (K_jᵀ Y)ᵀ = Y K_j
        Z_half = Z - h * self.sigma(z_Z)  # Z_(j+½) from Z = Z_(j-½)
        z_Y = Z_half @ K.T + b
        return (z_Z, z_Y), (Y + h * self.sigma(z_Y), Z_half)

    def layer_back(self, j, S, z, G, nabla_k, nabla_b):
        """Layer j backwards ([`layer_back`][tinynet.stable.net.StableNet.layer_back]): its half steps in reverse.

        Through Y_(j+1) = Y_j + h σ(z_Y):
            delta_Y = h σ'(z_Y) ⊙ ∂C/∂Y_(j+1),   ∂C/∂K_j += delta_Y Z_(j+½)ᵀ,   ∂C/∂b_j += delta_Y,
            ∂C/∂Z_(j+½) = (the part S_(j+1) carries) + K_jᵀ delta_Y;
        through Z_(j+½) = Z_(j-½) - h σ(z_Z):
            delta_Z = -h σ'(z_Z) ⊙ ∂C/∂Z_(j+½),   ∂C/∂K_j += Y_j delta_Zᵀ,   ∂C/∂b_j += delta_Z,
            ∂C/∂Y_j = ∂C/∂Y_(j+1) + K_j delta_Z,   ∂C/∂Z_(j-½) = ∂C/∂Z_(j+½).
        """
        Y, Z = S
        z_Z, z_Y = z
        G_Y, G_Z = G
        K, h = self.K[j], self.h
        Z_half = Z - h * self.sigma(z_Z)  # Z_(j+½), recomputed rather than kept
        delta_Y = h * self.times_sigma_prime(z_Y, G_Y)
        nabla_k[j] += delta_Y.T @ Z_half
        nabla_b[j] += delta_Y.sum(axis=0)
        G_Z = G_Z + delta_Y @ K
        delta_Z = -h * self.times_sigma_prime(z_Z, G_Z)
        nabla_k[j] += Y.T @ delta_Z  # z_Z = K_jᵀ Y_j: the transpose of the usual delta Yᵀ
        nabla_b[j] += delta_Z.sum(axis=0)
        return (delta_Z, delta_Y), (G_Y + delta_Z @ K.T, G_Z)


class Leapfrog(StableNet):
    """Second order: Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j), with Y_(-1) = Y_0.

    The state is the pair (Y_j, Y_(j-1)).
    """

    kind = "leapfrog"

    def start(self, Y0):
        return (Y0, Y0)  # (Y_0, Y_(-1))

    def start_back(self, G):
        return G[0] + G[1]  # both entries are Y_0

    def layer_forward(self, j, S):
        """z = K_j Y_j + b_j,  Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(z)."""
        Y, Y_before = S
        K = self.K[j]
        z = Y @ K.T + self.b[j]
        return z, (2 * Y - Y_before - self.h**2 * self.sigma(z) @ K, Y)

    def layer_back(self, j, S, z, G, nabla_k, nabla_b):
        """Layer j backwards (see [`StableNet.layer_back`][tinynet.stable.net.StableNet.layer_back]).

        With G = (∂C/∂Y_(j+1), ∂C/∂(the Y_j that S_(j+1) carries)):
            ∂C/∂K_j += -h² σ(z) (∂C/∂Y_(j+1))ᵀ      (the K_jᵀ outside σ),
            delta = σ'(z) ⊙ (-h² K_j ∂C/∂Y_(j+1)),   ∂C/∂K_j += delta Y_jᵀ,   ∂C/∂b_j += delta,
            ∂C/∂Y_j = 2 ∂C/∂Y_(j+1) + (the carried Y_j's) + K_jᵀ delta,   ∂C/∂Y_(j-1) = -∂C/∂Y_(j+1).
        """
        Y, _ = S
        G_Y, G_carried = G
        K, h2 = self.K[j], self.h**2
        nabla_k[j] -= h2 * self.sigma(z).T @ G_Y
        delta = self.times_sigma_prime(z, -h2 * G_Y @ K.T)
        nabla_k[j] += delta.T @ Y
        nabla_b[j] += delta.sum(axis=0)
        return delta, (2 * G_Y + G_carried + delta @ K, -G_Y)


ARCHITECTURES = {cls.kind: cls for cls in (ResNet, Antisymmetric, Hamiltonian, Leapfrog)}
