// The Spanish words of the server pages' scripts, en-pages.js's twin key for key: loaded
// only when the page is in Spanish. One entry per line, `'key': ...`, as in en.js.

export default {
  'passkey.unsupported': 'Este navegador no puede usar llaves de acceso. Abre el enlace en Chrome, Safari, Edge o Firefox.',
  'passkey.follow_prompt': 'Sigue las indicaciones de tu dispositivo…',
  'passkey.waiting': 'Esperando tu llave de acceso…',
  'passkey.done': 'Listo. Abriendo Skillpath…',
  'passkey.cancelled': 'La ventana de la llave de acceso se cerró o se agotó el tiempo. No se cambió nada; inténtalo de nuevo.',
  'passkey.exists': 'Este dispositivo ya tiene una llave de acceso tuya. Inicia sesión con ella.',
  'passkey.wrong_address': 'Las llaves de acceso solo funcionan en la dirección que te dio tu equipo. Revisa el enlace.',
  'passkey.failed': 'Algo salió mal. Inténtalo de nuevo.',
  'invites.copied': 'Enlace copiado.',
  'invites.copy_by_hand': 'Selecciona el enlace de arriba y cópialo.',
  'device.iphone': 'iPhone',
  'device.ipad': 'iPad',
  'device.android_phone': 'Teléfono Android',
  'device.android_tablet': 'Tableta Android',
  'device.mac': 'Mac',
  'device.windows': 'Computadora con Windows',
  'device.linux': 'Computadora con Linux',
  'device.other': 'Este dispositivo',
};
