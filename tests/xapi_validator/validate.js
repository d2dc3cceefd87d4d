// Reads a JSON array of xAPI statements on stdin and prints, as JSON, the problems
// LearningLocker's validator (xapi-validation) finds: one entry per statement with any.
const validateStatement = require("xapi-validation").default;

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const problems = [];
  JSON.parse(input).forEach((statement, index) => {
    let warnings;
    try {
      warnings = validateStatement(statement);
    } catch (error) {
      warnings = [String(error.message || error)];
    }
    if (warnings && warnings.length) {
      problems.push({ index, warnings: warnings.map((w) => (w.name ? `${w.name} at ${(w.path || []).join(".")}` : String(w))) });
    }
  });
  process.stdout.write(JSON.stringify(problems));
});
