// A fixture that exports something that is not a plugin.
export default { name: "broken", description: "no run function" };
