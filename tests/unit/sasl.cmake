# sasl unit tests
