import numpy as np
import tensorflow as tf

# Two batches of sets: each row is one set of integers (for the tf.sets part).
set_a = tf.constant([[1, 5, 9, 2], [3, 4, 6, 8]])
set_b = tf.constant([[5, 2, 7, 1], [4, 8, 10, 12]])
