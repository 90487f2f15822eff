"""The digits recognizer end to end: [784, 20, 10] on real MNIST digits.

We train the network as ``tinynet digits train`` does (here with a cap on the
batches so the lesson stays short), then look inside: each of the 20 hidden
units has 784 incoming weights, one per pixel, which we draw as a 28x28 image;
the confusion matrix shows which digits it mixes up; and we look at the digits
it gets wrong.
"""

import numpy as np

from tinynet.examples.digits_recognizer import confusion_matrix, fit
from tinynet.files.datasets import load_mnist
from tinynet.teach.lessonkit import Lesson, pyplot


def main(argv=None):
    lesson = Lesson(10, "the digits recognizer", argv)

    lesson.stage("Training")
    train, test = load_mnist("train"), load_mnist("test")
    print(f"training data: {train.source}\ntest data: {test.source}")
    net, h, _ = fit(*train, preset="classic", seed=0, max_batches=400)
    X, labels = test
    accuracy = net.evaluate(X, labels)
    print(f"{h.batches} batches in {h.wall_time:.1f} s; test accuracy {accuracy:.2%} on {len(X):,} digits")
    lesson.check("the network reads over 85% of unseen digits", accuracy > 0.85)

    plt = pyplot()
    lesson.stage("What the hidden units learned")
    W1 = net.weights[0]
    print(f"W^1 has shape {W1.shape}: row j holds the 784 weights into hidden unit j.")
    print("Drawn as 28x28 images (red: positive weight, blue: negative), each row is the pattern")
    print("of ink that excites that unit most: strokes and blobs, pieces of digits.")
    fig, axes = plt.subplots(4, 5, figsize=(8, 6.8))
    for j, ax in enumerate(axes.flat):
        lim = np.abs(W1[j]).max()
        ax.imshow(W1[j].reshape(28, 28), cmap="bwr", vmin=-lim, vmax=lim)
        ax.set_title(f"unit {j}", fontsize=8)
        ax.axis("off")
    fig.suptitle("Weights into the 20 hidden units")
    lesson.figure(fig, "hidden_units")

    lesson.stage("The confusion matrix")
    predicted = net.predict(X)
    M = confusion_matrix(labels, predicted)
    print("rows: true digit, columns: predicted digit")
    print("    " + "".join(f"{j:>6}" for j in range(10)))
    for i in range(10):
        print(f" {i}: " + "".join(f"{M[i, j]:>6}" for j in range(10)))
    off = M - np.diag(np.diag(M))
    i, j = np.unravel_index(off.argmax(), off.shape)
    print(f"most common mistake: {i} read as {j} ({off[i, j]} times)")
    lesson.check("the diagonal holds the correct answers", np.trace(M) == int((predicted == labels).sum()))
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    im = ax.imshow(M, cmap="Blues")
    ax.set(xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10), title="Confusion matrix")
    fig.colorbar(im)
    lesson.figure(fig, "confusion_matrix")

    lesson.stage("Digits it gets wrong")
    wrong = np.flatnonzero(predicted != labels)[:12]
    fig, axes = plt.subplots(2, 6, figsize=(9, 3.6))
    for k, ax in zip(wrong, axes.flat):
        ax.imshow(X[k].reshape(28, 28), cmap="gray_r")
        ax.set_title(f"{labels[k]} read as {predicted[k]}", fontsize=8)
        ax.axis("off")
    print(f"{len(np.flatnonzero(predicted != labels))} wrong; the first 12 are drawn.")
    lesson.figure(fig, "mistakes")
    return lesson.done()


if __name__ == "__main__":
    raise SystemExit(main())
