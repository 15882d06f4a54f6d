# unit-config tests
