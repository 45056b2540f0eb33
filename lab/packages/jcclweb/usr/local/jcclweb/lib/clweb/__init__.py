"""JobCenter CL/Web stand-in: an HTTPS server with browser login, MyPage and API keys.

Everything a node must share with the other cluster node lives in the config folder
(settings, users, API keys, MyPage data, logs); browser sessions live only in the server's
memory, so a failover ends them, as the product's guide says.
"""
