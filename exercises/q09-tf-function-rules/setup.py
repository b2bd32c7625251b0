import numpy as np
import tensorflow as tf

x_demo = tf.constant([0.1, -0.4, 0.25, 0.5, -0.05], dtype=tf.float32)
