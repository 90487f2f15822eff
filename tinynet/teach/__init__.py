"""Teaching: what the lessons, the docs site and the notebooks use to show tinynet at work.

- [`tinynet.teach.lessonkit`][tinynet.teach.lessonkit]: what every lesson script shares (stages, checks, ``--step``);
- [`tinynet.teach.stepthrough`][tinynet.teach.stepthrough]: the data of the docs' step-through of backprop;
- [`tinynet.teach.scalar`][tinynet.teach.scalar]: automatic differentiation of single numbers, for lesson 19;
- [`tinynet.teach.scalargraph`][tinynet.teach.scalargraph]: lesson 19's network as a graph of scalars, for its page;
- [`tinynet.teach.widgets`][tinynet.teach.widgets]: interactive gradient inspection in Jupyter;
- ``tinynet.teach.exercises``: ``tinynet exercise``, backprop written by the learner and graded.
"""
