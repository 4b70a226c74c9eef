"""Which deliveries reach the listeners: signatures, and the record of events already handled."""
