"""障害試験: faults injected into a cluster's servers from outside them (the hardware: power,
freezing, cables), and the checkers that watch the whole run: never two actives (sampler.py)
and nothing acknowledged lost (client.py). Like Jepsen's nemesis and checkers."""
