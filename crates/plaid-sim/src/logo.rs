//! Institution logos as Plaid sends them (a base64 PNG), drawn here: a disc of the bank's
//! colour with a white band, small and deterministic.

use base64::Engine;

/// Side of a logo in pixels (Plaid's are 152; small keeps the simulator's pages light).
const SIZE: usize = 32;

/// The logo of a bank with colour `#RRGGBB`, as base64 PNG; `None` for a colour that is not
/// one.
pub fn logo(color: &str) -> Option<String> {
    let hex = color.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    let (r, g, b) = (channel(0)?, channel(2)?, channel(4)?);
    let mut pixels = Vec::with_capacity(SIZE * (1 + SIZE * 4));
    let centre = (SIZE as f64 - 1.0) / 2.0;
    for y in 0..SIZE {
        pixels.push(0); // filter: none
        for x in 0..SIZE {
            let (dx, dy) = (x as f64 - centre, y as f64 - centre);
            let inside = dx * dx + dy * dy <= centre * centre;
            let band = (SIZE * 2 / 5..SIZE * 3 / 5).contains(&y);
            let pixel = match (inside, band) {
                (false, _) => [0, 0, 0, 0],
                (true, true) => [255, 255, 255, 255],
                (true, false) => [r, g, b, 255],
            };
            pixels.extend_from_slice(&pixel);
        }
    }
    Some(base64::engine::general_purpose::STANDARD.encode(png(SIZE as u32, SIZE as u32, &pixels)))
}

/// An 8-bit RGBA PNG of `rows` (each row its filter byte, then the pixels), compressed with
/// stored deflate blocks (valid, if not small).
fn png(width: u32, height: u32, rows: &[u8]) -> Vec<u8> {
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]); // 8 bits, RGBA, deflate, no filter, no interlace
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = rows.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(rows).to_be_bytes());
    let mut out = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    for (kind, data) in [(b"IHDR", header.as_slice()), (b"IDAT", zlib.as_slice()), (b"IEND", &[][..])] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logo_is_a_png_of_the_colour() {
        let png = base64::engine::general_purpose::STANDARD.decode(logo("#0F766E").unwrap()).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 32);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926, "the check value of CRC-32");
        assert!(logo("teal").is_none());
    }
}
