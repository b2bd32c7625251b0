"""Judging and wording of what the probes saw: pure Python, never imports TensorFlow.

The probes (:mod:`tfgrade.probes`) only watch and record; the modules here turn those
records into learner-facing :class:`~tfgrade.report.Diagnostic`\\ s. Each takes plain data
(records, source text, a cell error) and returns findings, so it can be unit-tested
without TensorFlow:

- :mod:`.traces`: the records of how ``tf.function``\\ s traced (``FunctionRecord`` as the
  call hook saw each function object; ``TracedFunction`` / ``TracingObservation`` as
  checks read them);
- :mod:`.retracing`: why a function retraced, the thresholds that make it worth saying,
  and the words for it;
- :mod:`.function_lint`: code in a ``tf.function`` body that behaves differently once
  traced (``print``, outside mutation, NumPy/``random`` calls, variables created per call);
- :mod:`.tf_ops`: the TensorFlow op that replaces a NumPy or ``random`` call;
- :mod:`.idioms`: Keras-2-only idioms and graph-unfriendly calls in a cell's source;
- :mod:`.cell_errors`: a cell error that graph building caused, in the learner's terms;
- :mod:`.devices`: where the work ran, in words;
- :mod:`.training_log`: the training numbers a loop displayed (``MetricRecord``).
"""
