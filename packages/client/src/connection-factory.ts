// ConnectionFactory (ActiveMQConnectionFactory): a broker URL and the settings every
// connection it makes starts with.
import { ConfigError, type RedeliveryPolicyData } from '@wharf/protocol';
import { Connection } from './connection';
import { parseBrokerUrl, type BrokerUrl } from './url';
import { RedeliveryPolicy } from './redelivery';
import {
  PrefetchPolicy, applyJmsOptions, applyOptions, defaultSettings, type ConnectionFactoryOptions, type FactorySettings,
} from './options';

export const DEFAULT_BROKER_URL = 'tcp://localhost:61616';

export class ConnectionFactory {
  private url: BrokerUrl;
  private brokerURL: string;
  private readonly settings: FactorySettings;

  constructor(brokerURL: string = DEFAULT_BROKER_URL, options: ConnectionFactoryOptions = {}) {
    this.brokerURL = brokerURL;
    this.url = parseBrokerUrl(brokerURL);
    this.settings = defaultSettings();
    applyJmsOptions(this.settings, this.url.jms, brokerURL);
    applyOptions(this.settings, options);
  }

  getBrokerURL(): string {
    return this.brokerURL;
  }
  setBrokerURL(url: string): void {
    const parsed = parseBrokerUrl(url);
    applyJmsOptions(this.settings, parsed.jms, url);
    this.url = parsed;
    this.brokerURL = url;
  }

  /** The policy new connections copy; change it with its setters before createConnection(). */
  getRedeliveryPolicy(): RedeliveryPolicy {
    return this.settings.redeliveryPolicy;
  }
  setRedeliveryPolicy(p: RedeliveryPolicy | Partial<RedeliveryPolicyData>): void {
    this.settings.redeliveryPolicy = p instanceof RedeliveryPolicy ? p : new RedeliveryPolicy(p);
    this.settings.redeliveryPolicy.configured = true;
  }
  getPrefetchPolicy(): PrefetchPolicy {
    return this.settings.prefetchPolicy;
  }
  setPrefetchPolicy(p: PrefetchPolicy): void {
    if (!(p instanceof PrefetchPolicy)) throw new ConfigError('setPrefetchPolicy needs a PrefetchPolicy');
    this.settings.prefetchPolicy = p;
  }
  getClientID(): string | undefined {
    return this.settings.clientID;
  }
  setClientID(id: string): void {
    this.settings.clientID = id;
  }
  getUserName(): string | undefined {
    return this.settings.userName;
  }
  setUserName(u: string): void {
    this.settings.userName = u;
  }
  setPassword(p: string): void {
    this.settings.password = p;
  }
  isUseAsyncSend(): boolean {
    return this.settings.useAsyncSend;
  }
  setUseAsyncSend(v: boolean): void {
    this.settings.useAsyncSend = v;
  }
  isAlwaysSyncSend(): boolean {
    return this.settings.alwaysSyncSend;
  }
  setAlwaysSyncSend(v: boolean): void {
    this.settings.alwaysSyncSend = v;
  }
  getSendTimeout(): number {
    return this.settings.sendTimeout;
  }
  setSendTimeout(ms: number): void {
    this.settings.sendTimeout = ms;
  }
  getCloseTimeout(): number {
    return this.settings.closeTimeout;
  }
  setCloseTimeout(ms: number): void {
    this.settings.closeTimeout = ms;
  }

  /**
   * Connect: open the link and say HELLO. Credentials given here win over the factory's.
   * The connection starts stopped: call start() to receive.
   */
  async createConnection(userName?: string, password?: string): Promise<Connection> {
    const s = this.settings;
    const settings: FactorySettings = {
      ...s,
      userName: userName ?? s.userName,
      password: password ?? s.password,
      redeliveryPolicy: s.redeliveryPolicy.copy(),
      prefetchPolicy: s.prefetchPolicy.copy(),
    };
    const c = new Connection(this.url, settings);
    await c.open();
    return c;
  }
}

export { ConnectionFactory as ActiveMQConnectionFactory };
