// A fixture whose import fails.
throw new Error("fixture exploded on import");
