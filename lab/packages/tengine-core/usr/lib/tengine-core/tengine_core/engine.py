"""The core's work: take events from the queue, store each, then run the handlers for its
type. The store and the bus are passed in (store.Store, bus.Bus, or stand-ins)."""
from __future__ import annotations

import logging

from tengine_core.errors import ServerError
from tengine_core.event import Event, EventError
from tengine_core.handlers import Handlers


class Engine:
    def __init__(self, store, bus, handlers: Handlers, log: logging.Logger):
        self.store = store
        self.bus = bus
        self.handlers = handlers
        self.log = log

    def fire(self, event_type_name: str, properties: dict) -> Event:
        event = Event.new(event_type_name, properties)
        self.bus.publish(event)
        self.log.debug("fired %s event %s", event_type_name, event.key)
        return event

    def consume(self) -> None:
        self.bus.consume(self.on_message)

    def poll(self, seconds: float) -> None:
        """Handle the events that arrive within seconds; a lost DB or queue raises ServerError."""
        self.bus.poll(seconds)

    def on_message(self, body: bytes) -> bool:
        """Store then handle one message; False drops a message that is not an event."""
        try:
            event = Event.from_json(body)
        except EventError as error:
            self.log.warning("dropped a message that is not a tengine event: %s", error)
            return False
        if self.store.store_event(event):
            self.log.debug("stored %s event %s", event.event_type_name, event.key)
        else:
            # A redelivery: the consumer that stored it may have died before handling it, so
            # the handlers run again (at least once, never lost).
            self.log.info("%s event %s was stored before (redelivered)",
                          event.event_type_name, event.key)
        for handler in self.handlers.for_type(event.event_type_name):
            try:
                handler(event, self.fire)
            except ServerError:
                raise
            except Exception:  # one broken handler must not stop the core
                self.log.exception("handler %s failed on %s event %s", handler.__name__,
                                   event.event_type_name, event.key)
        return True
