"""The benchmark behind ``scripts/bench.py``: one module per measurement.

- ``measure``: timers, percentiles, medians over repetitions, the machine.
- ``corpus``: the chat messages and reviews that are measured.
- ``predictor_bench`` / ``tutorial_bench``: prediction in process, ours and the Keras tutorial's.
- ``loadgen``: signed Events API requests at a fixed rate or in a burst (its own process).
- ``processes``: the fake Slack, the bot under gunicorn or ``python -m bot``, memory readings.
- ``bot_bench``: the bot end to end under load.
- ``coldstart``: process start to first answered message, and memory after warm-up.
- ``install_size``: the serving install's size and whether it pulls in TensorFlow.
- ``training``: the default model's training time.
- ``report``: the printed table and the JSON file.
- ``postgres``: a throwaway PostgreSQL server (the mood and Home figures; the tests' too).
- ``fake_slack_server``, ``slow_clients``: the fake Slack with statistics and ``wait_for``, and
  the slow HTTP clients; the tests build on both (tests may import benchmarks, never the reverse).

Nothing here is imported by the bot or the model, and nothing heavy runs at import time.
"""
