// Hand-written reports shaped like tfgrade.report.Report.to_dict() (schema tfgrade.report/1).

const environment = {
  python: "3.11.2", platform: "linux", tensorflow: "2.20.0", keras: "3.11.3",
  keras_flavour: "keras3", cuda_build: false, gpus: [], functions_run_eagerly: false,
};

function check(fields) {
  return {
    id: "x", title: "A check", status: "pass", points: 1, max_points: 1, message: "", hints: [],
    hidden: false, duration: 0.01, error_type: null, timed_out: false, traceback: [], ...fields,
  };
}

function report(fields) {
  return {
    exercise: "ex12-layer-norm", title: "A custom layer normalization layer", short_id: "ex12",
    score: 0, max_score: 0, checks: [], diagnostics: [], environment, cell_error: null,
    timings: { cell: 0.4, checks: 0.81, overhead: 0.02, total: 1.23 }, data: {}, hints_shown: {},
    schema: "tfgrade.report/1", passed: false, ...fields,
  };
}

export const passing = report({
  score: 3, max_score: 3, passed: true,
  checks: [
    check({ id: "defines_class", title: "Defines LayerNormalization", points: 1, max_points: 1 }),
    check({ id: "output_matches_keras", title: "Output matches Keras", points: 2, max_points: 2,
      hints: ["A hint that a passing check does not need."] }),
  ],
});

export const failingWithHints = report({
  score: 7, max_score: 10,
  checks: [
    check({ id: "defines_class", title: "Defines LayerNormalization", points: 2, max_points: 2 }),
    check({ id: "builds_weights", title: "Creates gamma and beta in build()", points: 5, max_points: 5 }),
    check({
      id: "output_matches_keras", title: "Output matches Keras", status: "fail", points: 0, max_points: 3,
      message: "the layer's output differs from keras.layers.LayerNormalization\nmax abs difference 0.52 at [0, 3]",
      hints: ["Normalise over the last axis only.", "Use keepdims=True in tf.reduce_mean.", "Divide by tf.sqrt(variance + epsilon)."],
    }),
  ],
});

export const errorWithTraceback = report({
  score: 1, max_score: 3,
  checks: [
    check({ id: "defines_class", title: "Defines LayerNormalization" }),
    check({
      id: "call_runs", title: "call() runs on a batch", status: "error", points: 0, max_points: 2,
      error_type: "ZeroDivisionError",
      message: "Your code raised ZeroDivisionError at line 9 (in `call`) while this check ran: division by zero",
      traceback: [
        { line: 9, code: "return x / 0", function: "call" },
      ],
    }),
    check({
      id: "slow", title: "Trains within budget", status: "error", timed_out: true, points: 0, max_points: 0,
      error_type: "CheckTimeout", message: "This check was stopped after 20 s.",
    }),
  ],
});

export const cellError = report({
  score: 0, max_score: 3,
  cell_error: {
    type: "NameError", message: "name 'tf' is not defined", line: 4,
    traceback: [{ line: 4, code: "x = tf.zeros(3)", function: "<cell>" }],
  },
  checks: [
    check({ id: "defines_class", title: "Defines LayerNormalization", status: "skip", points: 0, max_points: 3,
      message: "Not checked: your cell stopped with NameError on line 4 before `LayerNormalization` was defined." }),
  ],
});

export const withDiagnostics = report({
  score: 1, max_score: 1, passed: true,
  environment: { ...environment, gpus: ["/physical_device:GPU:0"], cuda_build: true },
  checks: [check({ id: "trains", title: "Trains" })],
  diagnostics: [
    { kind: "retracing", severity: "warning", message: "train_step was traced 7 times.", fix: "Pass tensors, not Python numbers.",
      source: "cell", function: "train_step", line: 12, details: {} },
    { kind: "device", severity: "info", message: "Variables live on GPU:0.", fix: "", source: "cell", function: null, line: null, details: {} },
    { kind: "retracing", severity: "info", message: "predict was traced twice.", fix: "", source: "cell", function: null, line: null, details: {} },
  ],
});

const evil = "<img src=x onerror=\"alert(1)\"><script>alert(2)</script>";
export const xss = report({
  title: evil, short_id: "<b>ex</b>", score: 0, max_score: 1,
  checks: [check({ id: "a\"b<c", title: evil, status: "fail", points: 0, max_points: 1, message: evil, hints: [evil],
    traceback: [{ line: 1, code: evil, function: evil }] })],
  diagnostics: [{ kind: evil, severity: "warning", message: evil, fix: evil, source: "cell", function: evil, line: 2, details: {} }],
  cell_error: { type: evil, message: evil, line: 3, traceback: [{ line: 3, code: evil, function: "<cell>" }] },
  environment: { tensorflow: evil, keras: evil, gpus: [evil] },
});
export const EVIL = evil;
