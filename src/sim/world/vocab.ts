/**
 * Word lists for realistic values. Deliberately includes the awkward cases a loader must survive:
 * accents, CJK, Cyrillic, emoji, quotes and SQL-looking text.
 */

export const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Linus',
  'Zoë',
  'José',
  'Łukasz',
  'Ørjan',
  'Siobhán',
  'Nguyễn',
  'Ahmed',
  'Ахмед',
  '王芳',
  'さくら',
  'Chloé',
  'Mateo',
  'Priya',
  'Olúwaseun',
  'Sören 🎉',
  'Kai',
  'Émilie',
  'Jürgen',
  'Fatma',
  "D'Arcy",
  'Noor',
  'Ingrid',
  'Tomás',
  'Aroha',
  'Björk',
  '🦄',
  'Mei',
] as const;

export const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Müller',
  'García',
  'Kowalski',
  "O'Brien",
  'Nakamura',
  'Đặng',
  'Smith',
  'Иванов',
  '李',
  'Fernández',
  'Okafor',
  'Haddad',
  'Larsen',
  'Dubois',
  'Silva',
  'Kaya',
  'Nørgaard',
  'Ng',
  'Schäfer',
  'Rossi',
  'Khan',
  'Walker 🚀',
] as const;

export const EMAIL_DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'example.co.uk'] as const;

export const PLANS = ['free', 'starter', 'pro', 'enterprise', 'trial'] as const;

export const CITIES = [
  'Berlin',
  'São Paulo',
  'Kraków',
  'Zürich',
  'Tōkyō',
  'New York',
  'Lagos',
  'Reykjavík',
] as const;

export const COLORS = ['blue', 'green', 'rouge', 'グリーン', 'purple 💜', 'teal'] as const;

export const NOTES = [
  'VIP — call before renewal',
  "'; DROP TABLE x; --",
  'said "hello" twice',
  'line one\nline two',
  'tab\tseparated',
  'back\\slash',
  '',
  '🙂👍',
  'NULL',
  'Robert"); DROP TABLE customers;--',
] as const;

export const SUBJECTS = [
  'Welcome to the club 🎉',
  'Your receipt #{{order_id}}',
  'Did you get that thing I sent you?',
  'Überraschung: 20% Rabatt',
  'Il tuo carrello ti aspetta',
  'Last chance — ends tonight',
  'パスワードの再設定',
  'Weekly digest',
  '"Quoted" subject line',
  "We've missed you",
] as const;

export const CAMPAIGN_NAMES = [
  'Welcome series',
  'Onboarding nudges',
  'Trial ending',
  'Win-back',
  'Cart abandonment',
  'Birthday greetings 🎂',
  'Renewal reminder',
  'NPS survey',
  'Feature adoption',
  'Re-engagement',
  'Café opening',
  'Upsell to Pro',
  'Payment failed',
  'Usage milestone',
  'Churn risk',
] as const;

export const NEWSLETTER_NAMES = [
  'Weekly Product Update',
  'Monthly digest',
  'Black Friday',
  'Summer sale ☀️',
  'Release notes',
  'Webinar invite',
  'Year in review',
  'Holiday hours',
  'Sondernewsletter',
  'Community roundup',
] as const;

export const SEGMENT_NAMES = [
  'Active users',
  'Paying customers',
  'Trial users',
  'Churned',
  'Newsletter subscribers',
  'Mobile app users',
  'High value',
  'Dormant 90d',
  'Europe 🇪🇺',
  'Beta testers',
] as const;

export const TAGS = [
  'promo',
  'onboarding',
  'retention',
  'product',
  'billing',
  'beta',
  'émoji 🏷️',
  'q4',
] as const;

export const EVENT_NAMES = ['purchase', 'signed_up', 'added_to_cart', 'viewed_product', 'logged_in'] as const;

export const PAGE_URLS = [
  'https://www.example.com/',
  'https://www.example.com/pricing',
  'https://www.example.com/blog/héllo-wörld',
  'https://app.example.com/settings?tab=billing',
] as const;

export const SCREEN_NAMES = ['Home', 'Checkout', 'Profile', 'Einstellungen'] as const;

export const BOUNCE_REASONS = [
  '550 5.1.1 The email account that you tried to reach does not exist',
  'Uploaded manually via api.customer.io',
  '552 5.2.2 Mailbox full',
  '554 5.7.1 Message rejected as spam',
] as const;

export const WEBHOOK_EVENTS = [
  'customer_subscribed',
  'customer_unsubscribed',
  'email_drafted',
  'email_attempted',
  'email_sent',
  'email_delivered',
  'email_opened',
  'email_clicked',
  'email_converted',
  'email_bounced',
  'email_dropped',
  'email_spammed',
  'email_failed',
  'push_sent',
  'push_opened',
  'sms_sent',
  'sms_delivered',
  'webhook_sent',
  'webhook_failed',
  'slack_sent',
] as const;

/** ASCII letters of a name, for e-mail local parts; empty for names with none. */
export function asciiSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}
