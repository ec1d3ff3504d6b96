// Placeholder for scripts whose issue has not landed: says so and fails.
console.error(`${process.argv[2]}: not yet available (${process.argv[3]})`);
process.exit(1);
