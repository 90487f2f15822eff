"""tinynet: a neural network from first principles, small enough to read in an evening.

from tinynet import NeuralNetwork, Trainer
net = NeuralNetwork([784, 20, 10])
Trainer().train(net, (X, labels), learning_step=1, batch_iterations=1, batch_size=50)
"""

from . import datasets, stable  # stable: its network kinds register themselves for the model files
from .activations import ACTIVATIONS, Activation, get_activation
from .conv import Conv2D, ConvNet, Dense, Flatten, MaxPool2D
from .costs import COSTS, CrossEntropy, Quadratic, get_cost
from .data import TrainingDataSample
from .history import History, TrainingDiverged
from .network import NeuralNetwork, Workspace
from .textformat import load_from_file, serialize_neural_network
from .trainer import ExponentialDecay, Trainer

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "COSTS",
    "Conv2D",
    "ConvNet",
    "CrossEntropy",
    "Dense",
    "ExponentialDecay",
    "Flatten",
    "History",
    "MaxPool2D",
    "NeuralNetwork",
    "Quadratic",
    "Trainer",
    "TrainingDataSample",
    "TrainingDiverged",
    "Workspace",
    "datasets",
    "get_activation",
    "get_cost",
    "load_from_file",
    "serialize_neural_network",
    "stable",
]
