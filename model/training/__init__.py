"""Training and evaluation: everything that needs TensorFlow or only runs offline.

The training run (``train``), the Keras networks (``network``), the tutorial baseline
(``baseline``), the calibration fit, review crops, the evaluation and its figures and plots.
Serving (``model.predictor`` and the modules it uses) never imports this package, so the bot
installs and runs without TensorFlow.
"""
