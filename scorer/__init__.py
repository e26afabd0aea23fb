"""The scorer: the pure quiz core (rules, ranking, game, deck) and its MQTT/SQLite edges."""
