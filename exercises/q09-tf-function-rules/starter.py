def standardize(x):
    return (x - np.mean(x)) / np.std(x)


def log_total(x):
    total = tf.reduce_sum(x)
    print("total:", total)
    return total


def accumulate(x):
    running_total = tf.Variable(0.0)
    running_total.assign_add(tf.reduce_sum(x))
    return running_total


def power_series(x, n):
    result = tf.zeros_like(x)
    for k in range(1, int(n) + 1):
        result += x ** k / k
    return result


fast_series = tf.function(power_series)
series_values = [fast_series(x_demo, n) for n in range(1, 6)]
