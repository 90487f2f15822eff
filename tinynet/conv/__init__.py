"""Convolutional networks: the plain ConvNet a learner reads, and the same network with fused passes.

- [`tinynet.conv.net`][tinynet.conv.net]: ``ConvNet``, the layers chained into a network;
- [`tinynet.conv.layers`][tinynet.conv.layers]: Conv2D, MaxPool2D, Flatten and Dense, each with its two passes;
- [`tinynet.conv.im2col`][tinynet.conv.im2col]: a convolution as one matrix product;
- [`tinynet.conv.fast`][tinynet.conv.fast] and [`tinynet.conv.fused`][tinynet.conv.fused]: ``FastConvNet``,
  the same numbers several times faster (tested equal to the plain passes).
"""
