"""EDA: the Austrian energy data exchange (ebUtilities XML, EDIFACT, Ponton X/P transports)."""
