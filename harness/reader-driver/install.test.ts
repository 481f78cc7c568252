import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  confFileName,
  deviceName,
  DriverInstallError,
  installDriver,
  libraryFileName,
  renderReaderConf,
  standardEntries,
} from './install.ts';

describe('reader driver configuration', () => {
  it('writes DEVICENAME with only the characters pcscd accepts ([A-Za-z0-9/\\-._@:])', () => {
    const d = deviceName({ host: '127.0.0.1', port: 35980, slots: 2, timeoutS: 30 });
    expect(d).toBe('127.0.0.1:35980/slots:2/timeout:30');
    expect(d).toMatch(/^[A-Za-z0-9\\/\-._@:]+$/);
    expect(deviceName({ host: '127.0.0.1', port: 35985, slots: 1, connect: true })).toBe(
      '127.0.0.1:35985/slots:1/connect',
    );
  });

  it('listens on loopback only and rejects impossible ports and slot counts', () => {
    expect(() => deviceName({ host: '0.0.0.0', port: 35980, slots: 2 })).toThrow(
      DriverInstallError,
    );
    expect(() => deviceName({ host: '192.168.1.2', port: 35980, slots: 2 })).toThrow(/loopback/);
    expect(deviceName({ host: '192.168.1.2', port: 35980, slots: 1, connect: true })).toContain(
      'connect',
    );
    expect(() => deviceName({ host: '127.0.0.1', port: 65535, slots: 2 })).toThrow(/out of range/);
    expect(() => deviceName({ host: '127.0.0.1', port: 35980, slots: 17 })).toThrow(/slots/);
    expect(() => deviceName({ host: 'localhost', port: 35980, slots: 1 })).toThrow(/IPv4/);
  });

  it('renders the reader.conf.d entry (CHANNELID in hex, as pcscd reads it)', () => {
    const [entry] = standardEntries();
    const text = renderReaderConf(entry!, '/usr/lib/pcsc/drivers/serial/libifdciebench.so');
    expect(text).toContain('FRIENDLYNAME "CIE Bench Virtual Reader"');
    expect(text).toContain('DEVICENAME   127.0.0.1:35980/slots:2');
    expect(text).toContain('LIBPATH      /usr/lib/pcsc/drivers/serial/libifdciebench.so');
    expect(text).toContain('CHANNELID    0x8C8C');
    expect(text).not.toContain('@');
  });

  it('names conf files after the readers and refuses odd reader names', () => {
    const entries = standardEntries({ reversed: true });
    expect(entries.map(confFileName)).toEqual(['ciebench', 'ciebench-reversed']);
    expect(entries.map(libraryFileName)).toEqual([
      'libifdciebench.so',
      'libifdciebench-reversed.so',
    ]);
    expect(
      confFileName({ name: 'Lab Reader', device: { host: '127.0.0.1', port: 36000, slots: 1 } }),
    ).toBe('ciebench-lab-reader');
    expect(() =>
      renderReaderConf(
        { name: 'bad"name', device: { host: '127.0.0.1', port: 36000, slots: 1 } },
        '/x.so',
      ),
    ).toThrow(DriverInstallError);
  });

  it('refuses a bad entry before building or writing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciebench-install-'));
    try {
      const [good] = standardEntries();
      const bad = { name: 'Second', device: { host: '127.0.0.1', port: 35990, slots: 0 } };
      const o = {
        entries: [good!, bad],
        libDir: join(dir, 'lib'),
        confDir: join(dir, 'conf'),
        buildDir: join(dir, 'build'),
      };
      await expect(installDriver(o)).rejects.toMatchObject({ code: 'DRIVER_BAD_OPTION' });
      // Not built (no compiler run), and no library or conf file of the good entry left behind.
      expect(existsSync(o.buildDir)).toBe(false);
      for (const d of [o.libDir, o.confDir])
        expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
