/**
 * The handler's port onto the card (DESIGN.md rule 5: a narrow port, not the whole card): one
 * instance per card, whose per-command fields are read live from the pipeline.
 */
import type { Clock } from '../crypto/clock.ts';
import type { Rng } from '../crypto/rng.ts';
import type { FileSystem } from '../iso7816/fs/file-system.ts';
import type { DfNode, EfNode, FsNode } from '../iso7816/fs/nodes.ts';
import type { SecurityEnvironment } from '../security/security-environment.ts';
import type { SecurityStatus } from '../security/security-status.ts';
import type { SmSession } from '../sm/sm-session.ts';
import type { Application, CommandContext, SmReplaceOptions } from './application.ts';
import type { CardOs } from './card-os.ts';
import type { CardOptions } from './card-options.ts';

export class Context implements CommandContext {
  private readonly os: CardOs;
  constructor(os: CardOs) {
    this.os = os;
  }
  get fs(): FileSystem {
    return this.os.fs;
  }
  get options(): CardOptions {
    return this.os.options;
  }
  get rng(): Rng {
    return this.os.rng;
  }
  get clock(): Clock {
    return this.os.clock;
  }
  get security(): SecurityStatus {
    return this.os.volatile.security;
  }
  get se(): SecurityEnvironment {
    return this.os.volatile.se;
  }
  get currentDf(): DfNode {
    return this.os.volatile.df;
  }
  get currentEf(): EfNode | undefined {
    return this.os.volatile.ef;
  }
  get application(): Application {
    return this.os.volatile.app;
  }
  select(node: FsNode): void {
    this.os.select(node);
  }
  get smProtected(): boolean {
    return this.os.smProtected;
  }
  get smSession(): SmSession | undefined {
    return this.os.volatile.sm;
  }
  setSmSessionAfterResponse(session: SmSession | undefined, options?: SmReplaceOptions): void {
    this.os.requestSmChange(session, options);
  }
  get commandNumber(): number {
    return this.os.commandNumber;
  }
  get chained(): boolean {
    return this.os.chained;
  }
  get challenge(): Uint8Array | undefined {
    return this.os.volatile.challenge;
  }
  set challenge(value: Uint8Array | undefined) {
    this.os.volatile.challenge = value;
  }
  note(text: string): void {
    this.os.note(text);
  }
}
