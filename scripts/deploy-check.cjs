// Refuses to package or deploy a stage without a real target configuration, so the mistake shows at build
// time and not as DNS errors, redeliveries and dead letters once the functions run. serverless.yml resolves
// it (`custom.deployCheck: ${file(./scripts/deploy-check.cjs)}`, shown as the stack output DeployCheck).
//
// Every stage but dev, local and test is strict: a finding refuses the build, naming the parameter. In the
// permissive stages (the repository's tests and `npm run package` build dev) the same findings are printed
// as warnings. Refused: no targets file and bdsMasterUrl still the .invalid placeholder or empty; a targets
// file that is not under config/ (only config/** is packaged), does not exist, is not JSON or names no
// target; a target URL whose host is a placeholder (.invalid) or this machine (localhost, 127.x, ::1); a
// plain-HTTP URL while the functions have no VPC (they would reach it across the internet in clear text);
// subnets without security groups or the reverse. A plain-HTTP URL with a VPC is a warning: this check
// cannot see whether the subnets' route to it is private (a VPN or dedicated line) or the NAT gateway.
//
// The file is read minimally here (CommonJS, no TypeScript); lib/targets validates it whole at run time.
const { existsSync, readFileSync } = require('node:fs');
const { isAbsolute, join, normalize, sep } = require('node:path');

const permissiveStages = ['dev', 'local', 'test'];
/** The commands that build what runs; info, remove, logs, print… need no target and are left alone. */
const checkedCommands = ['package', 'deploy'];
const defaultTargetsFile = 'config/targets.json';
/** The endpoints a target calls: its own, and a Huawei target's IAM endpoint (iam-password auth). */
const urlFields = [['url'], ['auth', 'iamUrl']];

/** osls's command: the words before the first option (as its resolve-input reads them). */
function commandOf(argv) {
  const first = argv.findIndex((arg) => arg.startsWith('-'));
  return argv.slice(0, first === -1 ? argv.length : first).join(' ');
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a URL's host cannot be a deployed target, or undefined. */
function badHost(hostname) {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'invalid' || host.endsWith('.invalid')) return 'is a placeholder (.invalid)';
  if (host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0' || /^::ffff:127\./.test(host))
    return 'points at this machine, which a Lambda function cannot reach';
  return undefined;
}

/** The findings of one endpoint: { refuse, warn } lists of sentences. */
function checkUrl(where, value, how, vpc, found) {
  let url;
  try {
    url = new URL(value);
  } catch {
    found.refuse.push(`${where} ${JSON.stringify(value)} is not a URL: ${how}`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    found.refuse.push(`${where} ${JSON.stringify(value)} is not an http(s) URL: ${how}`);
    return;
  }
  const host = badHost(url.hostname);
  if (host) {
    found.refuse.push(`${where} ${JSON.stringify(value)} ${host}: ${how}`);
    return;
  }
  if (url.protocol === 'http:' && !vpc)
    found.refuse.push(
      `${where} ${JSON.stringify(value)} is plain HTTP and the functions have no VPC, so they would reach it across the internet in clear text: ` +
        'give --param="vpcSubnetIds=subnet-…,subnet-…" --param="vpcSecurityGroupIds=sg-…" whose route to it is private (a VPN or a dedicated line), or an https:// URL',
    );
  else if (url.protocol === 'http:')
    found.warn.push(`${where} ${JSON.stringify(value)} is plain HTTP: keep the subnets' route to it private (a VPN or a dedicated line), not the NAT gateway`);
}

/** Everything wrong with a stage's target configuration (values as serverless resolved its params). */
function findings(input) {
  const found = { refuse: [], warn: [], targets: 0 };
  const root = input.root;
  const subnets = input.vpcSubnetIds.trim();
  const groups = input.vpcSecurityGroupIds.trim();
  if (subnets && !groups)
    found.refuse.push(
      'vpcSubnetIds is given but vpcSecurityGroupIds is empty: give --param="vpcSecurityGroupIds=sg-…" (the functions need a security group in the VPC)',
    );
  if (groups && !subnets)
    found.refuse.push(
      'vpcSecurityGroupIds is given but vpcSubnetIds is empty, so the functions would run outside any VPC: give --param="vpcSubnetIds=subnet-…,subnet-…"',
    );
  const vpc = subnets !== '';

  const named = input.targetsFile.trim();
  const file = named || (existsSync(join(root, defaultTargetsFile)) ? defaultTargetsFile : '');
  if (!file) {
    const master = input.bdsMasterUrl.trim();
    const placeholder = master === '' || (URL.canParse(master) && badHost(new URL(master).hostname) === 'is a placeholder (.invalid)');
    if (placeholder) found.refuse.push('has no target: give --param="targetsFile=config/targets.json" (or --param="bdsMasterUrl=http://<master>:12311")');
    else checkUrl('bdsMasterUrl', master, 'give --param="bdsMasterUrl=http://<master>:12311", or a targets file', vpc, found);
    found.targets = placeholder ? 0 : 1;
    return found;
  }
  const where = `targetsFile "${file}"`;
  const relative = normalize(file);
  if (isAbsolute(file) || !relative.startsWith(`config${sep}`)) {
    found.refuse.push(`${where} must be a path under config/ (only config/** is packaged with the functions): give --param="targetsFile=config/<file>.json"`);
    return found;
  }
  const path = join(root, relative);
  if (!existsSync(path)) {
    found.refuse.push(`${where} does not exist (no ${path}): give --param="targetsFile=config/<file>.json" naming an existing file`);
    return found;
  }
  let document;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    found.refuse.push(`${where} is not JSON (${error.message}): fix the file`);
    return found;
  }
  const targets = isObject(document) && isObject(document.targets) ? Object.entries(document.targets) : [];
  if (targets.length === 0) {
    found.refuse.push(`${where} names no target: it needs "targets": { "<name>": { "backend": …, "url": … } }`);
    return found;
  }
  found.targets = targets.length;
  for (const [name, target] of targets) {
    for (const keys of urlFields) {
      const value = keys.reduce((node, key) => (isObject(node) ? node[key] : undefined), target);
      const required = keys.length === 1;
      if (value === undefined && !required) continue;
      const field = `targets.${name}.${keys.join('.')}`;
      if (typeof value !== 'string')
        found.refuse.push(`${field} in ${file} ${value === undefined ? 'is missing' : 'must be a string'}: give the URL of the target`);
      else checkUrl(`${field} in ${file}`, value, `give the target's real address in ${file}`, vpc, found);
    }
  }
  return found;
}

module.exports = async (context) => {
  const { resolveVariable } = context;
  const command = context.command ?? commandOf(process.argv.slice(2));
  const warn = context.warn ?? ((line) => process.stderr.write(`${line}\n`));
  const stage = String(await resolveVariable('sls:stage'));
  if (command !== '' && !checkedCommands.includes(command.split(' ')[0])) return `not checked (serverless ${command})`;
  const param = async (name) => String((await resolveVariable(`param:${name}`)) ?? '');
  const found = findings({
    root: context.root ?? join(__dirname, '..'),
    targetsFile: await param('targetsFile'),
    bdsMasterUrl: await param('bdsMasterUrl'),
    vpcSubnetIds: await param('vpcSubnetIds'),
    vpcSecurityGroupIds: await param('vpcSecurityGroupIds'),
  });
  const line = (prefix, text) => `${prefix} stage "${stage}"${text.startsWith('has ') ? ' ' : ': '}${text}`;
  const strict = !permissiveStages.includes(stage);
  if (strict && found.refuse.length > 0) {
    const error = new Error(found.refuse.map((text) => line('bulkpilot:', text)).join('\n'));
    // serverless prints the stack of a failing file function: the message is all there is to say.
    error.stack = error.message;
    throw error;
  }
  const lenient = strict ? [] : found.refuse.map((text) => `${text} (not refused: ${permissiveStages.join(', ')} are permissive stages)`);
  const notes = [...lenient, ...found.warn];
  for (const text of notes) warn(line('bulkpilot: warning:', text));
  return strict ? `checked: stage ${stage}, ${found.targets} target(s)` : `not enforced: stage ${stage} is permissive (${notes.length} warning(s))`;
};

module.exports.commandOf = commandOf;
module.exports.permissiveStages = permissiveStages;
