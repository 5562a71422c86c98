# tls unit tests
