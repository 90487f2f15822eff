"""Training in parallel: the same algorithm and the same backprop, run by a pool of processes or on a GPU.

- [`tinynet.parallel.pool`][tinynet.parallel.pool]: ``PoolTrainer``, each batch's gradient from worker processes
  sharing memory ([`tinynet.parallel.protocol`][tinynet.parallel.protocol]: the shared arrays and the messages;
  [`tinynet.parallel.executor`][tinynet.parallel.executor]: the same on any ``concurrent.futures`` executor);
- [`tinynet.parallel.gpu`][tinynet.parallel.gpu]: ``GPUTrainer``, with CuPy as the array module;
- [`tinynet.parallel.pvd`][tinynet.parallel.pvd]: Parallel Variable Distribution;
- [`tinynet.parallel.synthetic`][tinynet.parallel.synthetic] and [`tinynet.parallel.stages`][tinynet.parallel.stages]:
  synthetic gradients.

Every trainer here runs ``Trainer.train``'s loop; what changes is where a
batch's gradient is computed (``Trainer.batches``).
"""
