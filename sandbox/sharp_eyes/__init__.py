"""Stand-in for the Sharp Eyes (雪亮工程) video alarm platform, Hikvision Artemis style."""
