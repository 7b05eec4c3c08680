// The Secrets Manager secrets this stage's targets file names, for serverless.yml's IAM statements: the
// functions may read exactly these and no other (`${file(./scripts/target-secrets.cjs)}`). A name becomes
// the secret's ARN pattern in this account and region (Secrets Manager appends a 6-character suffix); a
// full ARN is taken as it is.
const { existsSync, readFileSync } = require('node:fs');
const { isAbsolute, join } = require('node:path');

function secretRefs(value, found) {
  if (Array.isArray(value)) for (const item of value) secretRefs(item, found);
  else if (value && typeof value === 'object') {
    if (typeof value.secret === 'string' && Object.keys(value).every((k) => k === 'secret' || k === 'key')) found.add(value.secret);
    else for (const item of Object.values(value)) secretRefs(item, found);
  }
  return found;
}

function resourceOf(secret) {
  if (secret.startsWith('arn:')) return /:secret:.+-[A-Za-z0-9]{6}$/.test(secret) ? secret : `${secret}-??????`;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secret}-??????` };
}

function readTargetsFile(file) {
  try {
    return JSON.parse(readFileSync(isAbsolute(file) ? file : join(__dirname, '..', file), 'utf8'));
  } catch (cause) {
    // One line, as scripts/deploy-check.cjs words its findings: serverless prints a failing function's stack.
    const error = new Error(`bulkpilot: targetsFile "${file}" cannot be read as JSON (${cause.message})`);
    error.stack = error.message;
    throw error;
  }
}

module.exports = async ({ resolveVariable }) => {
  const named = String((await resolveVariable('param:targetsFile')) ?? '').trim();
  const file = named || (existsSync(join(__dirname, '..', 'config', 'targets.json')) ? 'config/targets.json' : '');
  const secrets = file ? [...secretRefs(readTargetsFile(file), new Set())].sort() : [];
  return {
    any: secrets.length > 0 ? 'true' : 'false',
    // A statement needs a resource even when its condition leaves it out of the stack.
    resources: secrets.length > 0 ? secrets.map(resourceOf) : ['arn:aws:secretsmanager:::secret:none'],
  };
};
