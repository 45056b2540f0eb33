"""tengine_job_agent: the reference Tengine job agent (tengine_job_agent_run, _watchdog, _kill
and tengine_job_agentd), keeping the contract in oat's lab/packages/TENGINE.md. It talks to
the core only through the event queue, so it does not use tengine-core's code."""
