// The DingTalk sign ledger in the database, so a replayed pair is refused by every instance. Structurally the
// adapter's SignLedger (bots/dingtalk/verify.ts). Rows older than the timestamp window are dead weight only.
import { eq } from 'drizzle-orm';
import type { DbOrTx } from './client.js';
import { dingtalkSignatures } from './schema/index.js';

export function createDbSignLedger(db: DbOrTx) {
  return {
    async claim(sign: string, timestamp: string, msgId: string): Promise<boolean> {
      const inserted = await db.insert(dingtalkSignatures).values({ sign, timestamp, msgId }).onConflictDoNothing().returning();
      if (inserted.length > 0) return true;
      const [first] = await db.select().from(dingtalkSignatures).where(eq(dingtalkSignatures.sign, sign));
      return first?.msgId === msgId;
    },
  };
}
