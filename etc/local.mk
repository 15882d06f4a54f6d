# Sample configurations and the systemd unit.
