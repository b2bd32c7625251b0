@tf.function
def standardize(x):
    centred = x - tf.math.reduce_mean(x)
    return centred / tf.sqrt(tf.math.reduce_variance(x))


@tf.function
def log_total(x):
    s = tf.math.reduce_sum(x)
    tf.print("total:", s)
    return s


running_total = tf.Variable(0.0, dtype=tf.float32)


@tf.function
def accumulate(x):
    return running_total.assign_add(tf.reduce_sum(x))


def power_series(x, n):
    total = tf.zeros_like(x)
    for k in tf.range(n):
        power = tf.cast(k + 1, x.dtype)
        total = total + tf.pow(x, power) / power
    return total


fast_series = tf.function(power_series)
series_values = []
for n in tf.range(1, 6):
    series_values.append(fast_series(x_demo, n))
