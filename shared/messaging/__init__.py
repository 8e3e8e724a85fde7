"""Messaging: topology, transports (RabbitMQ and in-process) and the consumer runner."""
