# unit-admit tests
