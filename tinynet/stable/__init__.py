"""Deep networks as discretised ODEs: ResNet, antisymmetric, Hamiltonian (Verlet) and leapfrog.

Haber & Ruthotto ("Stable architectures for deep neural networks", 2017) read
a deep residual network as the forward Euler method for an ODE Ẏ = σ(K(t) Y + b(t)):
each layer is a time step of size h. How stable the ODE is decides whether a
small change of the input, or of the error flowing back, grows or stays
bounded over many layers. The features Y_0 (the input zero-padded to a width
n, or lifted to it by an opening layer σ(K_in x + b_in)) go through N layers,
the steps j = 0..N-1, and are then classified:

    ResNet:        Y_(j+1) = Y_j + h σ(K_j Y_j + b_j)
    antisymmetric: Y_(j+1) = Y_j + h σ(½(K_j - K_jᵀ - γI) Y_j + b_j)
    Hamiltonian:   Z_(j+½) = Z_(j-½) - h σ(K_jᵀ Y_j + b_j),  Y_(j+1) = Y_j + h σ(K_j Z_(j+½) + b_j)
    leapfrog:      Y_(j+1) = 2Y_j - Y_(j-1) - h² K_jᵀ σ(K_j Y_j + b_j)
    classifier:    softmax(W Y_N + μ), cross-entropy

with Z_(-½) = 0 and Y_(-1) = Y_0. The state S_j is what step j needs: Y_j, or
the pair (Y_j, Z_(j-½)) (Hamiltonian), or (Y_j, Y_(j-1)) (leapfrog). Each
architecture gives its layer's forward step and the matching backward step; the base
class [`StableNet`][tinynet.stable.net.StableNet] holds the rest (the lifting, the classifier, the
regularisation, and the network contract of [`tinynet.base`][tinynet.base]).

The modules: [`tinynet.stable.net`][tinynet.stable.net] (StableNet: the lifting, the loop over the
layers, the classifier, the regularisation and the split into blocks that PVD
and synthetic gradients use), [`tinynet.stable.schemes`][tinynet.stable.schemes] (the four
architectures), [`tinynet.stable.stability`][tinynet.stable.stability] (the perturbation growth) and
[`tinynet.stable.toydata`][tinynet.stable.toydata] (the toy targets). The model-file line is written
and read in [`tinynet.files.kinds`][tinynet.files.kinds].

The layers, counted from 1 as everywhere in tinynet (``network.trace(x, y)``
numbers them so), and what z, a and delta are in each:

    the opening layer (only with opening=True):
        z = K_in x + b_in,   a = Y_0 = σ(z)
    a step j = 0..N-1, the layer that makes Y_(j+1) (its number is j + 1,
    or j + 2 after an opening layer):
        z = its weighted input: M_j Y_j + b_j with M_j = K_j (ResNet, leapfrog)
            or ½(K_j - K_jᵀ - γI) (antisymmetric); for the Hamiltonian the pair
            (K_jᵀ Y_j + b_j, K_j Z_(j+½) + b_j)
        a = the state after it, S_(j+1): Y_(j+1), or the pair (Y_(j+1), Z_(j+½))
            or (Y_(j+1), Y_j)
    the classifier (the last layer):
        z = W Y_N + μ,   a = softmax(z)

and in every layer delta = ∂C/∂z (a pair where z is one); at the classifier,
as for any softmax with cross-entropy, delta = a - y. Without an opening
layer, layer l's output is Y_l.

In code the samples are rows, so K Y is written ``Y @ K.T`` and a sum over
the batch of delta Yᵀ is ``delta.T @ Y``.

Regularisation, each switched on by a positive weight:
    α_f · 1/(2h) · Σ_j (‖K_(j+1) - K_j‖² + ‖b_(j+1) - b_j‖²)   (smooth in "time")
    α_c · ½ ‖W‖²                                                 (a small classifier)
As the trainers divide the summed gradient by the batch size m, the cost of
a batch is Σ_samples (cross-entropy) + m · R.
"""
