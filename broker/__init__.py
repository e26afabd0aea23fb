"""Brokers the quiz runs on: the embedded amqtt broker (development) and Mosquitto."""
