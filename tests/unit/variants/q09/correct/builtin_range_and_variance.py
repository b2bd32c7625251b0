@tf.function
def standardize(x):
    mean = tf.reduce_mean(x)
    std = tf.sqrt(tf.reduce_mean(tf.square(x - mean)))
    return (x - mean) / std


def log_total(x):
    total = tf.reduce_sum(x)
    tf.print("total:", total)
    return total


running_total = tf.Variable(0.0)


def accumulate(x):
    running_total.assign_add(tf.reduce_sum(x))
    return running_total.read_value()


def power_series(x, n):
    result = tf.zeros_like(x)
    for k in range(1, n + 1):
        k = tf.cast(k, x.dtype)
        result += x ** k / k
    return result


fast_series = tf.function(power_series)
series_values = [fast_series(x_demo, tf.constant(n)) for n in range(1, 6)]
