"""What the user waits for, over time: statistics of latency samples, the history, the chart, the baseline.

Plain Python (no pytest, no browser): the suite's plugin (``fixtures/latency.py``) hands it the samples a
run measured in the page; ``python -m latency`` keeps the history and draws the chart for the nox sessions.
"""
