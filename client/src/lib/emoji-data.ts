/**
 * The emoji the picker offers, each with search words. Loaded only with the picker (a dynamic
 * import), so none of it is in the initial bundle. One entry per line: the emoji, then its words.
 */
const DATA = `👍 thumbs up yes like +1 ok
❤️ heart love red
😂 joy laugh tears lol
🎉 tada party celebrate hooray
😮 open mouth wow surprised
😢 cry sad tear
🙏 pray thanks please folded hands
👀 eyes look see watching
🔥 fire hot lit
✅ check done yes tick
😀 grinning smile happy
😃 smiley happy joy
😄 smile happy laugh
😁 grin beaming
😆 laughing satisfied
😅 sweat smile relief
🤣 rofl rolling laughing
🙂 slight smile
🙃 upside down
😉 wink
😊 blush smile
😇 innocent halo angel
🥰 smiling hearts love
😍 heart eyes love
🤩 star struck wow
😘 kiss blow
😋 yum tasty
😛 tongue
😜 wink tongue crazy
🤪 zany crazy
🤗 hug hugging
🤔 thinking hmm wonder
🤨 raised eyebrow skeptical
😐 neutral meh
😑 expressionless
😶 no mouth silent
🙄 eye roll
😏 smirk
😬 grimace awkward
😌 relieved
😔 pensive
😪 sleepy
😴 sleeping zzz
😷 mask sick
🤒 thermometer sick ill
🤯 mind blown exploding
🥳 partying party birthday
😎 sunglasses cool
🤓 nerd geek
😕 confused
😟 worried
🙁 frown sad
😯 hushed
😲 astonished shocked
😳 flushed embarrassed
🥺 pleading puppy eyes
😨 fearful scared
😰 anxious sweat
😭 sob crying loud
😱 scream fear
😤 triumph huff
😡 angry pout mad
🤬 cursing swearing
💀 skull dead
💩 poop
🤡 clown
👻 ghost boo
👽 alien
🤖 robot bot
😺 cat smile
👋 wave hello bye hand
🤚 raised back hand
✋ raised hand high five stop
👌 ok perfect
🤌 pinched fingers
✌️ victory peace
🤞 crossed fingers luck
🤙 call me shaka
👈 point left
👉 point right
👆 point up
👇 point down
👎 thumbs down no dislike -1
✊ fist raised
👊 punch fist bump
👏 clap applause bravo
🙌 raised hands hooray
👐 open hands
🤝 handshake deal
💪 muscle strong flex
🧠 brain smart
👁️ eye
💯 hundred perfect score
💥 boom collision
💫 dizzy
💬 speech bubble chat
💭 thought bubble
💤 zzz sleep
💔 broken heart
🧡 orange heart
💛 yellow heart
💚 green heart
💙 blue heart
💜 purple heart
🖤 black heart
🤍 white heart
⭐ star
🌟 glowing star
✨ sparkles shiny new
⚡ zap lightning high voltage
☀️ sun sunny
🌈 rainbow
☕ coffee tea hot
🍺 beer
🍕 pizza
🍰 cake
🎂 birthday cake
🎁 gift present
🏆 trophy win
🥇 gold medal first
🚀 rocket ship launch
⚠️ warning caution
❌ cross no wrong x
❓ question
❗ exclamation
➕ plus add
🆗 ok button
🔔 bell notification
📌 pin pushpin
📎 paperclip attach
🔗 link chain
🐛 bug
🛠️ tools fix
🔒 lock locked secure
🎯 target bullseye
📈 chart up increasing
📉 chart down decreasing
🗓️ calendar date
⏰ alarm clock time
👑 crown king queen
🙈 see no evil monkey
🙉 hear no evil monkey
🙊 speak no evil monkey
🐶 dog puppy
🐱 cat kitten
🦄 unicorn
🌱 seedling plant grow
🍀 four leaf clover luck`;

export interface EmojiEntry {
  emoji: string;
  words: string;
}

export const EMOJI: readonly EmojiEntry[] = DATA.split('\n').map((line) => {
  const space = line.indexOf(' ');
  return { emoji: line.slice(0, space), words: line.slice(space + 1) };
});

/** Shown first until the user's own frequent ones take over. */
export const DEFAULT_FREQUENT = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'];
