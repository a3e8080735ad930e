"""The feed engine: the catalogue of feed types and their handlers (registry), the run
lifecycle (runs), the job a handler works through (job), events and held records (events),
leases, schedules and the scheduler tick. It knows no feed family: the handlers in
``hub.feeds`` register themselves here, and ``hub.tasks`` gives it the queue."""
