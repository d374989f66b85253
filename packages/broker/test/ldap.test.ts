// The pieces of the LDAP login that need no directory: ActiveMQ's filter escaping and pattern
// substitution, and the configuration errors that stop a start.
import { strict as assert } from 'node:assert';
import { ConfigError } from '@wharf/protocol';
import { LdapLogin, escapeFilterValue, formatPattern } from '../src/security/index';

describe('ldap login - filters and configuration', () => {
  it('ldap - user names are escaped for search filters (RFC 2254): no wildcard or filter injection', () => {
    assert.equal(escapeFilterValue('alice'), 'alice');
    assert.equal(escapeFilterValue('a*'), 'a\\2a');
    assert.equal(escapeFilterValue('x)(uid=*'), 'x\\29\\28uid=\\2a');
    assert.equal(escapeFilterValue('back\\slash\0'), 'back\\5cslash\\00');
    assert.equal(formatPattern('(uid={0})', [escapeFilterValue('*)(objectClass=*')]), '(uid=\\2a\\29\\28objectClass=\\2a)');
  });

  it('ldap - roleSearchMatching gets the DN as {0} and the user name as {1}; a doubled quote is a quote', () => {
    assert.equal(formatPattern('(&(member={0})(cn={1}))', ['uid=a,dc=x', 'a']), '(&(member=uid=a,dc=x)(cn=a))');
    assert.equal(formatPattern("(o=''{0}'')", ['x']), "(o='x')");
    assert.equal(formatPattern('(x={2})', ['a']), '(x={2})');
  });

  it('ldap - a configuration missing what a login needs is refused at start, naming the key', () => {
    const base = { connectionURL: 'ldap://127.0.0.1:389', userBase: 'ou=people,dc=x', userSearchMatching: '(uid={0})' };
    assert.doesNotThrow(() => new LdapLogin(base));
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ connectionURL: 'http://x' }, /jaasLdapLogin.connectionURL must be ldap:\/\/host:port/],
      [{ userSearchMatching: '(uid=alice)' }, /jaasLdapLogin.userSearchMatching is required and must contain \{0\}/],
      [{ roleName: 'cn' }, /roleName needs roleBase and roleSearchMatching/],
      [{ expandRoles: true }, /expandRoles needs expandRolesMatching/],
      [{ timeout: 0 }, /jaasLdapLogin.timeout must be a positive number of ms/],
      [{ maxConcurrentLogins: -1 }, /jaasLdapLogin.maxConcurrentLogins must be a positive integer/],
      [{ authentication: 'strong' }, /jaasLdapLogin.authentication must be simple or none/],
      [{ connectionPassword: '${WHARF_TEST_UNSET_LDAP_PW}' }, /environment variable WHARF_TEST_UNSET_LDAP_PW is not set/],
      [{ connectionURL: 'ldaps://127.0.0.1:636', ca: '/nonexistent/ca.pem' }, /jaasLdapLogin.ca: cannot read \/nonexistent\/ca.pem/],
    ];
    for (const [over, re] of refused) {
      assert.throws(() => new LdapLogin({ ...base, ...over } as never), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(over));
    }
  });
});
