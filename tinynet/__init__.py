"""tinynet: a neural network from first principles, small enough to read in an evening.

from tinynet import NeuralNetwork, Trainer
net = NeuralNetwork([784, 20, 10])
Trainer().train(net, (X, labels), learning_step=1, batch_iterations=1, batch_size=50)

Every name below has its home in one module (the folder tree shows the
architecture: the core at the top, ``conv/``, ``stable/``, ``parallel/``,
``files/`` and ``teach/`` beside it); this is the one place that hands them on.
"""

from tinynet.activations import ACTIVATIONS, Activation, get_activation
from tinynet.conv.layers import Conv2D, Dense, Flatten, MaxPool2D
from tinynet.conv.net import ConvNet
from tinynet.costs import COSTS, CrossEntropy, Quadratic, get_cost
from tinynet.data import TrainingDataSample
from tinynet.files.format import load, load_from_file, save, serialize_neural_network
from tinynet.history import History, TrainingDiverged
from tinynet.network import NeuralNetwork
from tinynet.schedules import ExponentialDecay
from tinynet.stable.net import StableNet
from tinynet.stable.schemes import Antisymmetric, Hamiltonian, Leapfrog, ResNet
from tinynet.trainer import Trainer, step

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Antisymmetric",
    "COSTS",
    "Conv2D",
    "ConvNet",
    "CrossEntropy",
    "Dense",
    "ExponentialDecay",
    "Flatten",
    "Hamiltonian",
    "History",
    "Leapfrog",
    "MaxPool2D",
    "NeuralNetwork",
    "Quadratic",
    "ResNet",
    "StableNet",
    "Trainer",
    "TrainingDataSample",
    "TrainingDiverged",
    "get_activation",
    "get_cost",
    "load",
    "load_from_file",
    "save",
    "serialize_neural_network",
    "step",
]
