// Roles and what they may see; pure rules over ids handed in by services.
export const ROLES = ['rep', 'manager', 'director', 'finance', 'tech', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  rep: '销售',
  manager: '销售经理',
  director: '销售总监',
  finance: '财务',
  tech: '技术',
  admin: '管理员',
};

const ROLE_ALIASES: Record<string, Role> = {
  销售: 'rep', rep: 'rep', 业务员: 'rep', 经理: 'manager', 销售经理: 'manager', manager: 'manager',
  总监: 'director', 销售总监: 'director', director: 'director', 财务: 'finance', finance: 'finance',
  技术: 'tech', tech: 'tech', 管理员: 'admin', admin: 'admin',
};

export const parseRole = (text: string): Role | undefined => ROLE_ALIASES[text.trim().toLowerCase()];

/** Who sees everything in the tenant. */
export const seesAll = (role: Role) => role === 'director' || role === 'admin';
